// The cases both --help benchmarks run: bare `node -e 0` (the baseline), the top-level help, and
// every leaf command's help, read from the built command tree.
import path from "node:path";

export async function helpCases(root) {
  const kanvas = path.join(root, "bin/kanvas");
  const { commandTree } = await import(path.join(root, "dist/commands/tree.js"));
  const leaves = [];
  (function walk(nodes, prefix) {
    for (const [name, node] of Object.entries(nodes)) {
      if (node.load) leaves.push([...prefix, name]);
      if (node.children) walk(node.children, [...prefix, name]);
    }
  })(commandTree, []);
  return [
    { name: "node -e 0", args: ["-e", "0"] },
    { name: "kanvas --help", args: [kanvas, "--help"] },
    ...leaves.map((p) => ({ name: `kanvas ${p.join(" ")} --help`, args: [kanvas, ...p, "--help"] })),
  ];
}
