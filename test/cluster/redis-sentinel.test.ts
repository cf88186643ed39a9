import { requireRedisServer } from "../support/redis-servers.js";
import { redisSentinelBackend } from "./backends.js";
import { failoverTests } from "./failover-tests.js";
import { describeCluster } from "./suite.js";

describeCluster(await requireRedisServer(), redisSentinelBackend, (current) =>
  failoverTests(current, ["hang", "kill"]),
);
