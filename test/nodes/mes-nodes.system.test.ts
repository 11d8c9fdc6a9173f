// The MES node suite on PostgreSQL (npm run test:system sets HUB_TEST_STORES=postgres); npm test runs it on SQLite.
import './mes-nodes.test'
