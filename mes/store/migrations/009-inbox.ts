// Version 9: the durable inbound message store (mes/inbox/). Every inbound message (an IDoc over XML-HTTP or SOAP,
// later others) is stored raw before it is acknowledged, with the keys that make a resend a duplicate:
//   - DOCNUM, per sender: SAP numbers IDocs from one number range per sending system and client (EDI_DC40-DOCNUM),
//     so the same DOCNUM from the same logical system (SNDPRT/SNDPRN) is the same IDoc, whatever port it came by;
//   - ARCKEY, per sender: the IDoc-SOAP message id (urn:sap.com:msgid=<guid>), unique by construction; scoped by
//     sender all the same, as other systems fill ARCKEY with their own numbers;
//   - the content, only for a message that has neither key: the same content as the latest message of its sender and
//     scope (its message type) is a resend; the same content after another one of the scope is news (an ERP that
//     sends a material master A, then B, then A again means A), so it is no unique index.
// Partial unique indexes make the database the judge of the keys, so two hub instances receiving the same resend
// store it once.
import type { Migration } from './migration'

export const migration009: Migration = {
  version: 9,
  name: 'durable inbound message store',
  statements: [
    `CREATE TABLE inbox_messages (
      id            {{AUTOID}},
      channel       TEXT NOT NULL,
      sender        TEXT NOT NULL,
      docnum        TEXT,
      arckey        TEXT,
      content_hash  TEXT NOT NULL,
      content_scope TEXT NOT NULL DEFAULT '',
      raw           TEXT NOT NULL,
      raw_bytes     INTEGER NOT NULL,
      meta          TEXT NOT NULL,
      status        TEXT NOT NULL CHECK (status IN ('received', 'applied', 'error')),
      reason        TEXT,
      results       TEXT,
      received_at   TEXT NOT NULL,
      status_at     TEXT NOT NULL
    )`,
    'CREATE UNIQUE INDEX ux_inbox_docnum ON inbox_messages (sender, docnum) WHERE docnum IS NOT NULL',
    'CREATE UNIQUE INDEX ux_inbox_arckey ON inbox_messages (sender, arckey) WHERE arckey IS NOT NULL',
    'CREATE INDEX ix_inbox_content ON inbox_messages (sender, content_scope, id) WHERE docnum IS NULL AND arckey IS NULL',
    'CREATE INDEX ix_inbox_status ON inbox_messages (status, id)'
  ]
}
