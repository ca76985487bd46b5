import type { TestProject } from "vitest/node";
import { createTestDatabase } from "./support/test-database.js";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * One fresh database per test run, migrated the same way production is, on
 * TEST_DATABASE_URL / DATABASE_URL when set, else on an embedded PostgreSQL.
 */
export default async function setup(project: TestProject) {
  const database = await createTestDatabase();
  project.provide("databaseUrl", database.url);
  return () => database.drop();
}
