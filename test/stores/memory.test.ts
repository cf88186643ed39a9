import { memoryStore } from "../../src/stores/memory.js";
import { describeStoreConformance } from "./conformance.js";

describeStoreConformance("memory", async () => {
  const store = memoryStore();
  return { store, cleanup: () => store.close() };
});
