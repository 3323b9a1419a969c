"""The secrets vault: a team's named secrets, values in Secrets Manager, metadata in the data
table; used by name (`{{secrets.NAME}}`, shared.vault.references) and never answered except
by an explicit, audited reveal."""
