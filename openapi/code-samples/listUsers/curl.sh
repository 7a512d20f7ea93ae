# The first page of users, oldest first. To get the next page, send its nextCursor back as ?cursor=.
curl -sS -i --fail-with-body \
  -H "Authorization: Bearer $USERS_API_TOKEN" \
  "${USERS_API_URL:-http://127.0.0.1:5000}/users?limit=10"
