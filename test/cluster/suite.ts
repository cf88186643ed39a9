import { afterAll, beforeAll, describe } from "vitest";
import type { ServiceCheck } from "../support/services.js";
import type { ClusterBackend } from "./backends.js";
import { type Cluster, startCluster } from "./cluster.js";
import { loginTests } from "./login-tests.js";
import { outageTests } from "./outage-tests.js";

/** Two real server processes sharing the store of `open()`: logins across them, then the store going away. */
export function describeCluster(service: ServiceCheck, open: () => ClusterBackend): void {
  describe.skipIf(!service.available)("two wechat-login processes sharing one store", () => {
    let cluster: Cluster | undefined;
    const current = () => {
      if (!cluster) throw new Error("the cluster did not start");
      return cluster;
    };
    beforeAll(async () => {
      cluster = await startCluster(open());
    }, 30_000);
    afterAll(async () => {
      await cluster?.close();
    }, 15_000);

    loginTests(current);
    outageTests(current);
  });
}
