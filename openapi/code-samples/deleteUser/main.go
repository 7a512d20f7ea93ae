// Deletes a user, only if it is still at version ETAG (else 412).
package main

import (
	"cmp"
	"context"
	"fmt"
	"log"
	"os"

	usersapi "example.com/users-api/go-client"
)

func main() {
	config := usersapi.NewConfiguration()
	config.Servers = usersapi.ServerConfigurations{{URL: cmp.Or(os.Getenv("USERS_API_URL"), "http://127.0.0.1:5000")}}
	client := usersapi.NewAPIClient(config)
	ctx := context.WithValue(context.Background(), usersapi.ContextAccessToken, os.Getenv("USERS_API_TOKEN"))

	res, err := client.UsersAPI.DeleteUser(ctx, os.Getenv("USER_ID")).IfMatch(os.Getenv("ETAG")).Execute()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status)
}
