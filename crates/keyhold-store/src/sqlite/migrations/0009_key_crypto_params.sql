-- keyhold schema, version 9: a key's default Cryptographic Parameters
-- (KMIP 1.4 section 3.6), as a KMIP client created or registered it with:
-- a JSON object of the fields set (keyhold_core::CryptoParams), NULL when
-- the client gave none. Encrypt and Decrypt use it for the fields a
-- request leaves out.
ALTER TABLE keys ADD COLUMN crypto_params TEXT;
