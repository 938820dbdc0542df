# libchain ownership renames (issue #15 item 5): _get_ returns what the
# caller does not own; these return what it does.
# Apply with: sed -i -f renames.sed FILE...
s/\bchain_cert_get_subject\b/chain_cert_dup_subject/g
s/\bchain_cert_get_issuer\b/chain_cert_dup_issuer/g
s/\bchain_cert_get_serial\b/chain_cert_dup_serial/g
s/\bchain_cert_get_name_constraints\b/chain_cert_dup_name_constraints/g
s/\bchain_cert_get_thumbprint\b/chain_cert_dup_thumbprint/g
s/\bchain_cert_get_sha256\b/chain_cert_dup_sha256/g
s/\bchain_cert_get_public_key_sha256\b/chain_cert_dup_public_key_sha256/g
s/\bchain_csr_get_subject\b/chain_csr_dup_subject/g
s/\bchain_csr_get_public_key_sha256\b/chain_csr_dup_public_key_sha256/g
s/\bchain_key_get_public_key_sha256\b/chain_key_dup_public_key_sha256/g
s/\bchain_name_get_common_name\b/chain_name_dup_common_name/g
s/\bchain_policy_get_digest\b/chain_policy_dup_digest/g
s/\bchain_ledger_error_get_rule\b/chain_ledger_error_dup_rule/g
s/\bchain_ledger_get_record\b/chain_ledger_load_record/g
s/\bchain_workspace_get_pin_path\b/chain_workspace_dup_pin_path/g
s/\bchain_statement_get_signatures_bytes\b/chain_statement_dup_signatures_bytes/g
s/\bchain_statement_get_digest\b/chain_statement_dup_digest/g
s/\bchain_statement_get_bytes\b/chain_statement_dup_bytes/g
# chain_statement_get_bytes also sealed the statement; chain_statement_dup_bytes
# wants a sealed one (new chain_statement_seal()): a caller that relied on
# the side effect must call chain_statement_seal() first.
