# The tutorial's update: renames the user with that email (deprecated: use PATCH /users/{id}).
curl -sS -i --fail-with-body -X PATCH \
  -H "Authorization: Bearer $USERS_API_TOKEN" \
  --json "{\"query\": {\"email\": \"$USER_EMAIL\"}, \"payload\": {\"name\": \"Ada King\"}}" \
  "${USERS_API_URL:-http://127.0.0.1:5000}/user"
