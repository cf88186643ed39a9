import { requirePostgres } from "../support/databases.js";
import { postgresBackend } from "./backends.js";
import { describeCluster } from "./suite.js";

describeCluster(await requirePostgres(), postgresBackend);
