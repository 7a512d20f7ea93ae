# The tutorial's delete: deletes the user with that email (deprecated: use DELETE /users/{id}).
curl -sS -i --fail-with-body -X DELETE \
  -H "Authorization: Bearer $USERS_API_TOKEN" \
  --json "{\"email\": \"$USER_EMAIL\"}" \
  "${USERS_API_URL:-http://127.0.0.1:5000}/delete"
