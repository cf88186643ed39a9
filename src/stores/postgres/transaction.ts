import type { Pool, PoolClient } from "pg";

/**
 * Runs `body` in one transaction on a connection of its own: committed when
 * it resolves, rolled back when it throws. A connection that cannot even roll
 * back is broken, so `release(error)` drops it instead of handing it out again.
 */
export async function inTransaction<T>(pool: Pool, body: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await body(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
