// Clients of the suite's services over Connect (binary protobuf over
// fetch), generated from the protos by protoc-gen-es. Every call carries the
// bearer token; the suite's gRPC address answers Connect and gRPC-Web too.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { ConsentService } from "./gen/stafett/consent/v1/consent_service_pb";
import { ContinuityService } from "./gen/stafett/continuity/v1/continuity_service_pb";
import { HandoffService } from "./gen/stafett/handoffs/v1/handoffs_service_pb";

export interface Clients {
  handoffs: Client<typeof HandoffService>;
  consent: Client<typeof ConsentService>;
  continuity: Client<typeof ContinuityService>;
}

export function clients(baseUrl: string, bearer: string): Clients {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("Authorization", `Bearer ${bearer}`);
    return next(req);
  };
  const transport = createConnectTransport({ baseUrl, useBinaryFormat: true, interceptors: [auth] });
  return {
    handoffs: createClient(HandoffService, transport),
    consent: createClient(ConsentService, transport),
    continuity: createClient(ContinuityService, transport),
  };
}

export function isUnauthenticated(e: unknown): boolean {
  return e instanceof ConnectError && e.code === Code.Unauthenticated;
}

export function errorCode(e: unknown): Code | undefined {
  return e instanceof ConnectError ? e.code : undefined;
}

/** A request id for a command: a retry of the same click reuses it. */
export function requestId(): string {
  return crypto.randomUUID();
}
