# Deletes a user, only if it is still at version $ETAG (else 412).
curl -sS -i --fail-with-body -X DELETE \
  -H "Authorization: Bearer $USERS_API_TOKEN" \
  -H "If-Match: $ETAG" \
  "${USERS_API_URL:-http://127.0.0.1:5000}/users/$USER_ID"
