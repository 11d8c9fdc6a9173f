// The hub-level MES suites on PostgreSQL (npm run test:system sets HUB_TEST_STORES=postgres); npm test runs them on
// SQLite under their own names.
import './mes-uns.test'
import './mes-crash.test'
import './mes-verify-audit.test'
import '../mes/http/mes-http-api.test'
