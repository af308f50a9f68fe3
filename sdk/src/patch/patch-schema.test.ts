import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { API_PACKAGE, apiRegistry, fieldRules } from "../descriptors/api-descriptors.js";
import { fieldByJsonName, listMergeRules } from "./patch-schema.js";

describe("merge keys from the model", () => {
  it("annotates the lists Kubernetes merges by key or as a set", () => {
    const rules = listMergeRules().map(
      (r) => `${r.message}.${r.field}=${r.set ? "(set)" : r.mergeKey}`,
    );
    expect(rules).toEqual(
      expect.arrayContaining([
        "PodSpec.containers=name",
        "PodSpec.initContainers=name",
        "Container.ports=containerPort",
        "Container.env=name",
        "PodStatus.conditions=type",
        "DeploymentStatus.conditions=type",
        "ReplicaSetStatus.conditions=type",
        "NodeStatus.conditions=type",
        "NamespaceStatus.conditions=type",
        "NodeStatus.addresses=type",
        "ServiceSpec.ports=port",
        "ObjectMeta.ownerReferences=uid",
        "ObjectMeta.finalizers=(set)",
        "EndpointSubset.addresses=ip",
        "EndpointSubset.notReadyAddresses=ip",
      ]),
    );
    expect(rules.join(" ")).not.toMatch(/tolerations|taints/);
  });

  it("uses merge_key only on lists of messages, naming a required scalar of the item", () => {
    for (const file of apiRegistry().files) {
      if (file.proto.package !== API_PACKAGE) continue;
      for (const message of file.messages)
        for (const field of message.fields) {
          const rules = fieldRules(field);
          const where = `${message.name}.${field.name}`;
          if (rules.mergeKey !== "") {
            expect(field.fieldKind === "list" && field.listKind, where).toBe("message");
            if (field.fieldKind !== "list" || field.listKind !== "message") continue;
            const key = fieldByJsonName(field.message, rules.mergeKey);
            expect(key?.fieldKind, `${where}: merge key ${rules.mergeKey}`).toBe("scalar");
            expect(key && fieldRules(key).required, `${where}: merge key required`).toBe(true);
          }
          if (rules.listSet)
            expect(field.fieldKind === "list" && field.listKind, where).toBe("scalar");
        }
    }
  });

  it("matches the merge key table in docs/patching.md", () => {
    const doc = readFileSync(
      fileURLToPath(new URL("../../../docs/patching.md", import.meta.url)),
      "utf8",
    );
    const section = doc.split("#### Merge keys")[1]?.split("\n#")[0] ?? "";
    const rows = section
      .split("\n")
      .filter((line) => line.startsWith("| ") && !line.startsWith("| message"));
    expect(rows).toEqual(
      listMergeRules().map(
        (r) => `| ${r.message} | ${r.field} | ${r.set ? "set of values" : `\`${r.mergeKey}\``} |`,
      ),
    );
  });
});
