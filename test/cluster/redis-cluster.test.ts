import { requireRedisServer } from "../support/redis-servers.js";
import { redisClusterBackend } from "./backends.js";
import { failoverTests } from "./failover-tests.js";
import { describeCluster } from "./suite.js";

describeCluster(await requireRedisServer(), redisClusterBackend, (current) =>
  failoverTests(current, ["hang", "kill"]),
);
