import { requireRedis } from "../support/backends.js";
import { redisBackend } from "./backends.js";
import { describeCluster } from "./suite.js";

describeCluster(await requireRedis(), redisBackend);
