-- Remote signing (issues 6 and 7): a `remote_signing` access link is bound to the one contract
-- document the customer signs through it. Only remote_signing links carry a document; the rule
-- is enforced where links are issued (src/links), which also checks that the document is the
-- authoritative draft or signing document of this customer's deal.

ALTER TABLE access_link ADD COLUMN document_id TEXT REFERENCES contract_document (id);
CREATE INDEX access_link_document ON access_link (document_id) WHERE document_id IS NOT NULL;
