import { requireRedis } from "../support/databases.js";
import { redisBackend } from "./backends.js";
import { describeCluster } from "./suite.js";

describeCluster(await requireRedis(), redisBackend);
