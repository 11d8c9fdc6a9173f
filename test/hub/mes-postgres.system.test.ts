// The hub-level MES suites on PostgreSQL (npm run test:system sets HUB_TEST_STORES=postgres; npm test runs them on
// SQLite under their own names). Those in test/mes/ are in test:system's spec already (.mocharc.system.json); this
// adds the audit-trail command's suite, which lives with the command in test/hub/.
import './mes-verify-audit.test'
