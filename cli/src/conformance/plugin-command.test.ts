import { describe, expect, it } from "vitest";
import { PluginCommandError, parsePluginCommand, splitWords } from "./plugin-command.js";

describe("--plugin", () => {
  it("splits words as a shell would, without running one", () => {
    expect(splitWords(`  /bin/rt --a 'b c' "d \\"e\\"" f\\ g  `)).toEqual([
      "/bin/rt",
      "--a",
      "b c",
      'd "e"',
      "f g",
    ]);
    expect(splitWords(`x ''`)).toEqual(["x", ""]);
    expect(() => splitWords(`x 'open`)).toThrow(PluginCommandError);
  });

  it("runs a .js plugin under node, anything else directly", () => {
    expect(parsePluginCommand("/p/main.js --fast", "/usr/bin/node")).toEqual({
      file: "/usr/bin/node",
      args: ["/p/main.js", "--fast"],
    });
    expect(parsePluginCommand("/usr/bin/k8ts-runtime-docker --x")).toEqual({
      file: "/usr/bin/k8ts-runtime-docker",
      args: ["--x"],
    });
    expect(() => parsePluginCommand("   ")).toThrow("--plugin is empty");
  });
});
