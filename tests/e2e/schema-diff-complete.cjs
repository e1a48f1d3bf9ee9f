// graphql-inspector's --onComplete handler for .ci/schema-diff.sh: hands the counts to the
// script (which decides) instead of exiting on breaking changes.
const { writeFileSync } = require('node:fs');

module.exports = ({ breakingChanges, dangerousChanges, nonBreakingChanges }) => {
  const counts = [breakingChanges, dangerousChanges, nonBreakingChanges].map((c) => c.length);
  writeFileSync(process.env.SCHEMA_DIFF_SUMMARY, `${counts.join(' ')}\n`);
};
