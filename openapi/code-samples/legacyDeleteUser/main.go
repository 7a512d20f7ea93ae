// The tutorial's delete: deletes the user with that email (deprecated: use DeleteUser).
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

	res, err := client.LegacyAPI.LegacyDeleteUser(ctx).LegacyDelete(*usersapi.NewLegacyDelete(os.Getenv("USER_EMAIL"))).Execute()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status)
}
