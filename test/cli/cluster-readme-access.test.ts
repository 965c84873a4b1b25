import * as path from "node:path";
import { renderCluster } from "../../cli/render-cluster";
import { loadInventoryFile, routes } from "../../inventory";

const root = path.resolve(__dirname, "../..");

/** The rows of the markdown table that follows `heading` in `readme`, as lists of cells. */
function tableAfter(readme: string, heading: string): string[][] {
  const section = readme.slice(readme.indexOf(`${heading}\n`));
  const end = section.indexOf("\n## ", heading.length);
  return (end < 0 ? section : section.slice(0, end))
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| ---"))
    .slice(1)
    .map((line) =>
      line
        .slice(2, -2)
        .split(" | ")
        .map((cell) => cell.trim()),
    );
}

describe.each(["core", "dev", "prod"])("the cluster README of %s", (stack) => {
  const source = `Pulumi.${stack}.yaml`;
  const inventory = loadInventoryFile(path.join(root, source), source);
  const readme = renderCluster(inventory, stack).find((file) => file.path === "README.md")!.content;
  const served = routes(inventory);

  it("says for every hostname whether the gateway demands an Access token", () => {
    const rows = tableAfter(readme, "## Hostnames");
    expect(rows.map((row) => [row[0], row[4]])).toEqual(
      served.map((route) => [
        route.host,
        route.access ? "Access token (`Cf-Access-Jwt-Assertion` or `CF_Authorization`)" : "none",
      ]),
    );
  });

  it("lists for the LAN resolver exactly the hostnames that demand no token, and names the others", () => {
    const rows = tableAfter(readme, "## Split DNS on the LAN");
    expect(rows.map((row) => row[0])).toEqual(
      served.filter((route) => !route.access).map((route) => route.host),
    );
    const leftOut = readme
      .slice(readme.indexOf("## Split DNS on the LAN"))
      .split("\n")
      .find((line) => line.startsWith("Not listed, because the public gateway refuses them without"));
    const protectedHosts = served.filter((each) => each.access).map((each) => each.host);
    expect(leftOut !== undefined).toBe(protectedHosts.length > 0);
    for (const host of protectedHosts) expect(leftOut).toContain(`\`${host}\``);
  });
});
