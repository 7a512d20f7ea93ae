// The tutorial's registration (deprecated: use CreateUser).
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"

	usersapi "example.com/users-api/go-client"
)

func main() {
	config := usersapi.NewConfiguration()
	config.Servers = usersapi.ServerConfigurations{{URL: cmp.Or(os.Getenv("USERS_API_URL"), "http://127.0.0.1:5000")}}
	client := usersapi.NewAPIClient(config)
	ctx := context.Background()

	registration := usersapi.NewUserRegistration("Ada Lovelace", os.Getenv("USER_EMAIL"))
	user, res, err := client.LegacyAPI.LegacyRegister(ctx).UserRegistration(*registration).Execute()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status)
	body, _ := json.MarshalIndent(user, "", "  ")
	fmt.Println(string(body))
}
