import { upgradeProblems, type ClusterVersions } from "../../inventory/upgrades";

const running: ClusterVersions = { talosVersion: "v1.12.6", kubernetesVersion: "1.35.2" };
const to = (talosVersion: string, kubernetesVersion: string) => ({ talosVersion, kubernetesVersion });

describe("upgradeProblems", () => {
  it("lets a cluster not deployed yet install any target", () => {
    expect(upgradeProblems(undefined, to("v1.13.9", "1.36.3"))).toEqual([]);
  });

  it.each([
    ["a patch of each", to("v1.12.9", "1.35.4")],
    ["the next Talos minor", to("v1.13.9", "1.35.2")],
    ["the next Kubernetes minor", to("v1.12.6", "1.36.0")],
    ["both next minors at once (Talos goes first)", to("v1.13.9", "1.36.3")],
    ["nothing", running],
  ])("accepts %s", (_, target) => {
    expect(upgradeProblems(running, target)).toEqual([]);
  });

  it("refuses a Talos target that skips a minor, naming the minor to go through", () => {
    expect(upgradeProblems(running, to("v1.14.1", "1.35.2"))).toEqual([
      {
        path: ["talosVersion"],
        message:
          "v1.14.1 skips a minor release from the v1.12.6 the cluster runs — Talos upgrades one minor at a time: go to the newest v1.13.x first",
      },
    ]);
  });

  it("refuses going back on either version", () => {
    const problems = upgradeProblems(running, to("v1.12.5", "1.34.9"));
    expect(problems.map((problem) => problem.path)).toEqual([["talosVersion"], ["kubernetesVersion"]]);
    expect(problems[0].message).toMatch(
      /^v1\.12\.5 is older than the v1\.12\.6 the cluster runs — upgrades only go forward/,
    );
    expect(problems[1].message).toMatch(
      /^1\.34\.9 is older than the 1\.35\.2 the cluster runs — Kubernetes does not downgrade/,
    );
  });

  it("refuses a Kubernetes jump of more than one minor", () => {
    expect(upgradeProblems(to("v1.13.9", "1.34.1"), to("v1.13.9", "1.36.3"))).toEqual([
      {
        path: ["kubernetesVersion"],
        message:
          "1.36.3 is 2 minor releases ahead of the 1.34.1 the cluster runs — Kubernetes upgrades one minor at a time: go to 1.35.x first",
      },
    ]);
  });

  it("refuses a Talos upgrade whose Talos cannot run the Kubernetes the cluster has until its own upgrade", () => {
    // Talos 1.13 runs Kubernetes 1.31 to 1.36; the nodes come back from the Talos upgrade still on 1.30.
    expect(upgradeProblems(to("v1.12.6", "1.30.9"), to("v1.13.9", "1.31.4"))).toEqual([
      {
        path: ["talosVersion"],
        message:
          "Talos v1.13.9 runs Kubernetes 1.31 to 1.36, and the cluster runs 1.30.9 until its Kubernetes upgrade, which comes after Talos's — upgrade Kubernetes within what v1.12.6 runs first",
      },
    ]);
  });

  it("counts a new Talos major after a minor as one step, and further as skipping", () => {
    const last = to("v1.13.9", "1.36.3");
    expect(upgradeProblems(last, to("v2.0.0", "1.36.3")).map((problem) => problem.path)).not.toContainEqual([
      "talosVersion",
    ]);
    expect(upgradeProblems(last, to("v2.1.0", "1.36.3"))[0].message).toMatch(/skips a minor release/);
  });
});
