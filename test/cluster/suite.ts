import { afterAll, beforeAll, describe } from "vitest";
import type { ServiceCheck } from "../support/services.js";
import type { ClusterBackend } from "./backends.js";
import { type Cluster, startCluster } from "./cluster.js";
import { loginTests } from "./login-tests.js";
import { outageTests } from "./outage-tests.js";

type Tests = (current: () => Cluster) => void;

/**
 * Two real server processes sharing the store of `open()`: logins across
 * them, then `trouble` (by default the store going away and hanging behind a proxy).
 */
export function describeCluster(
  service: ServiceCheck,
  open: () => ClusterBackend | Promise<ClusterBackend>,
  trouble: Tests = outageTests,
): void {
  describe.skipIf(!service.available)("two wechat-login processes sharing one store", () => {
    let starting: Promise<Cluster> | undefined;
    let cluster: Cluster | undefined;
    const current = () => {
      if (!cluster) throw new Error("the cluster did not start");
      return cluster;
    };
    beforeAll(async () => {
      starting = Promise.resolve(open()).then(startCluster);
      cluster = await starting;
    }, 60_000);
    afterAll(async () => {
      // Also when beforeAll timed out: its start is still under way and would leave processes behind.
      const started = await starting?.catch(() => undefined);
      await started?.close();
    }, 30_000);

    loginTests(current);
    trouble(current);
  });
}
