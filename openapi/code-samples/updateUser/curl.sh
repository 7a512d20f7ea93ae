# Renames a user with a JSON Merge Patch, only if it is still at version $ETAG (else 412).
curl -sS -i --fail-with-body -X PATCH \
  -H "Authorization: Bearer $USERS_API_TOKEN" \
  -H "If-Match: $ETAG" \
  -H 'Content-Type: application/merge-patch+json' \
  --data '{"name": "Ada King"}' \
  "${USERS_API_URL:-http://127.0.0.1:5000}/users/$USER_ID"
