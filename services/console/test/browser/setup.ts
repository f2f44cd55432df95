// Starts `stafett dev --demo` on random loopback ports in a fresh data
// directory for the browser tests, and stops it afterwards.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { TestProject } from "vitest/node";

export interface Stafett {
  bin: string;
  dataDir: string;
  grpcAddr: string;
  httpUrl: string;
  youngAdult: string;
  leftAlone: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    stafett: Stafett;
  }
}

const repo = resolve(import.meta.dirname, "../../../..");

let child: ChildProcess | undefined;
let dataDir = "";

export async function setup(project: TestProject): Promise<void> {
  let bin = process.env.STAFETT_BIN ?? "";
  dataDir = mkdtempSync(join(tmpdir(), "stafett-console-"));
  if (!bin) {
    bin = join(dataDir, "stafett");
    execFileSync("go", ["build", "-o", bin, "./services/suite/cmd/stafett"], { cwd: repo, stdio: "inherit" });
  }
  const proc = spawn(bin, ["dev", "--demo", "--data-dir", join(dataDir, "data"), "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--log-level", "error"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  child = proc;
  const got: Partial<Stafett> = { bin, dataDir: join(dataDir, "data") };
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error("stafett dev did not load the demo within 240 s")), 240_000);
    proc.once("exit", (code) => fail(new Error(`stafett dev exited with ${code}`)));
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      const m = /^\s+(gRPC|HTTP|demo):\s+(.*)$/.exec(line);
      if (!m) return;
      if (m[1] === "gRPC") got.grpcAddr = m[2].trim();
      if (m[1] === "HTTP") got.httpUrl = m[2].trim();
      if (m[1] === "demo") {
        const ids = m[2].match(/pt_[a-z2-7]+/g) ?? [];
        got.youngAdult = ids[0];
        got.leftAlone = ids[1];
        clearTimeout(timer);
        done();
      }
    });
  });
  project.provide("stafett", got as Stafett);
}

export async function teardown(): Promise<void> {
  if (child && child.exitCode === null) {
    const exited = new Promise((done) => child!.once("exit", done));
    child.kill("SIGTERM");
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
