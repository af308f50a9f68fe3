import { lookupKind, type KindInfo } from "@k8ts/sdk";
import { describe, expect, it } from "vitest";
import { CliError } from "../errors/cli-error.js";
import { explain } from "./explain-schema.js";

const kind = (name: string): KindInfo => lookupKind(name) as KindInfo;

describe("explain", () => {
  it("documents a kind: group, kind, version, its comment and its fields", () => {
    const text = explain(kind("deploy"), []);
    expect(text).toMatch(/^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n/);
    expect(text).toContain("DESCRIPTION:\n    Deployment runs a number of Pods");
    expect(text).toContain("  spec\t<DeploymentSpec>\n");
    expect(text).toContain("  apiVersion\t<string>\n");
    expect(explain(kind("pods"), [])).toMatch(/^KIND:\s+Pod\nVERSION:\s+v1\n/);
  });

  it("documents a field from its proto comment, with kubectl's type names", () => {
    const replicas = explain(kind("deployment"), ["spec", "replicas"]);
    expect(replicas).toContain("FIELD: replicas <integer>");
    expect(replicas).toContain("Number of Pods to run. Defaults to 1");
    const containers = explain(kind("deployment"), ["spec", "template", "spec", "containers"]);
    expect(containers).toContain("FIELD: containers <[]Container>");
    expect(containers).toMatch(/ {2}image\t<string> -required-\n/);
    expect(containers).toContain("  resources\t<ResourceRequirements>");
    const limits = explain(kind("pod"), ["spec", "containers", "resources", "limits"]);
    expect(limits).toContain("FIELD: limits <map[string]Quantity>");
    expect(explain(kind("svc"), ["spec", "ports", "targetPort"])).toContain("<IntOrString>");
    expect(explain(kind("pod"), ["spec", "restartPolicy"])).toMatch(
      /ENUM:\n {4}Always\n {4}OnFailure\n {4}Never/,
    );
  });

  it("names the first field that does not exist", () => {
    expect(() => explain(kind("deployment"), ["spec", "replica"])).toThrow(CliError);
    expect(() => explain(kind("deployment"), ["spec", "replica"])).toThrow(
      'field "replica" does not exist in deployment.spec',
    );
    expect(() => explain(kind("deployment"), ["spec", "replicas", "x"])).toThrow("has no fields");
  });

  it("lists the whole tree with --recursive", () => {
    const text = explain(kind("svc"), ["spec"], true);
    expect(text).toMatch(/ {2}ports\t<\[\]ServicePort>\n {4}name\t<string>/);
  });
});
