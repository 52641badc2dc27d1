-- keyhold schema, version 13: the Public Key object of a pair made by KMIP
-- Create Key Pair keeps its own state and dates
-- (keyhold_core::PublicHalf, a JSON object: state, activation_date,
-- deactivation_date, compromise_date, destroy_date). NULL: the public key
-- shares its version's state, as every version made before this one.
ALTER TABLE key_versions ADD COLUMN public_half TEXT;
