# One user and its ETag. Send the ETag back in If-None-Match to get 304 while it is unchanged.
curl -sS -i --fail-with-body \
  -H "Authorization: Bearer $USERS_API_TOKEN" \
  "${USERS_API_URL:-http://127.0.0.1:5000}/users/$USER_ID"
