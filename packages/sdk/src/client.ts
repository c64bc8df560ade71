import { createRegistrarOneRosterClient, type RegistrarOneRosterClient } from "./oneroster.ts";
import { createRegistrarRestClient, type RegistrarRestClient } from "./rest.ts";
import { createRegistrarTrpcClient, type RegistrarClientOptions, type RegistrarTrpcClient } from "./trpc.ts";

export type RegistrarClient = {
  /** Typed tRPC client (camelCase): `await trpc.students.list.query({ limit: 20 })` */
  trpc: RegistrarTrpcClient;
  /** Typed REST client (snake_case, openapi-fetch): `await rest.GET("/students")` */
  rest: RegistrarRestClient;
  /** OneRoster packages: `await oneroster.importPackage(zip, { dryRun: true })`, `oneroster.exportPackage()` */
  oneroster: RegistrarOneRosterClient;
};

/** Both clients for one server; either one rejects with a `RegistrarError` on any failure. */
export function createRegistrarClient(options: RegistrarClientOptions): RegistrarClient {
  return {
    trpc: createRegistrarTrpcClient(options),
    rest: createRegistrarRestClient(options),
    oneroster: createRegistrarOneRosterClient(options),
  };
}
