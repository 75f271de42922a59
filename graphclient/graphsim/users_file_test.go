package graphsim

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestReadUsers(t *testing.T) {
	phones := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		in      string
		want    []User
		wantErr string // a substring of the error; "" for success
	}{
		{
			name: "all columns",
			in: "userPrincipalName,id,mobile,alternateMobile,office,smsSignInPolicy,autoRegister\n" +
				"ada@contoso.com,11111111-1111-1111-1111-111111111111,+1 2065550100,+1 2065550101,+44 2079460958x12,allowed,true\n" +
				"bob@contoso.com,,+1 2065550102,,,disallowed,false\n",
			want: []User{
				{ID: "11111111-1111-1111-1111-111111111111", UserPrincipalName: "ada@contoso.com",
					Phones: phones(TypeMobile, "+1 2065550100", TypeAlternateMobile, "+1 2065550101", TypeOffice, "+44 2079460958x12")},
				{UserPrincipalName: "bob@contoso.com", Phones: phones(TypeMobile, "+1 2065550102"), SmsSignInDisallowed: true, NoAutoRegister: true},
			},
		},
		{
			name: "BOM",
			in:   "\ufeffuserPrincipalName,mobile\nada@contoso.com,+1 2065550100\n",
			want: []User{{UserPrincipalName: "ada@contoso.com", Phones: phones(TypeMobile, "+1 2065550100")}},
		},
		{
			name: "BOM before a quoted header",
			in:   "\ufeff\"userPrincipalName\",\"mobile\"\r\n\"ada@contoso.com\",\"+1 2065550100\"\r\n",
			want: []User{{UserPrincipalName: "ada@contoso.com", Phones: phones(TypeMobile, "+1 2065550100")}},
		},
		{
			name: "case-insensitive header in another order",
			in:   "MOBILE,UserPrincipalName,SMSSIGNINPOLICY,AutoRegister\n+1 2065550100,ada@contoso.com,Disallowed,OFF\n",
			want: []User{{UserPrincipalName: "ada@contoso.com", Phones: phones(TypeMobile, "+1 2065550100"), SmsSignInDisallowed: true, NoAutoRegister: true}},
		},
		{
			name: "spaces around cells and CRLF",
			in:   " userPrincipalName , mobile \r\n ada@contoso.com ,  +1 2065550100  \r\n",
			want: []User{{UserPrincipalName: "ada@contoso.com", Phones: phones(TypeMobile, "+1 2065550100")}},
		},
		{
			name: "id only",
			in:   "id\n22222222-2222-2222-2222-222222222222\n",
			want: []User{{ID: "22222222-2222-2222-2222-222222222222", Phones: phones()}},
		},
		{
			name: "blank rows",
			in:   "userPrincipalName,mobile\n\nada@contoso.com,+1 2065550100\n,\n , \n\nbob@contoso.com\n\n",
			want: []User{
				{UserPrincipalName: "ada@contoso.com", Phones: phones(TypeMobile, "+1 2065550100")},
				{UserPrincipalName: "bob@contoso.com", Phones: phones()},
			},
		},
		{
			name: "policy and autoRegister spellings",
			in: "userPrincipalName,smsSignInPolicy,autoRegister\n" +
				"a@x,allow,yes\nb@x,ENABLED,on\nc@x,no,no\nd@x,false,FALSE\ne@x,,\n",
			want: []User{
				{UserPrincipalName: "a@x", Phones: phones()},
				{UserPrincipalName: "b@x", Phones: phones()},
				{UserPrincipalName: "c@x", Phones: phones(), SmsSignInDisallowed: true, NoAutoRegister: true},
				{UserPrincipalName: "d@x", Phones: phones(), SmsSignInDisallowed: true, NoAutoRegister: true},
				{UserPrincipalName: "e@x", Phones: phones()},
			},
		},
		{
			name: "quoted UPN with comma and quote",
			in:   "userPrincipalName,mobile\n\"o'brien,#ext#@contoso.com\",+1 2065550100\n",
			want: []User{{UserPrincipalName: "o'brien,#ext#@contoso.com", Phones: phones(TypeMobile, "+1 2065550100")}},
		},
		{
			name: "defaultMethod",
			in:   "userPrincipalName,mobile,defaultMethod\nada@contoso.com,+1 2065550100,Mobile\nbob@contoso.com,,\n",
			want: []User{
				{UserPrincipalName: "ada@contoso.com", Phones: phones(TypeMobile, "+1 2065550100"), DefaultMethod: TypeMobile},
				{UserPrincipalName: "bob@contoso.com", Phones: phones()},
			},
		},
		{
			name: "header only",
			in:   "userPrincipalName,mobile\n",
			want: nil,
		},
		{name: "empty file", in: "", wantErr: "empty"},
		{name: "unknown column", in: "userPrincipalName,phone\nada@contoso.com,+1 2065550100\n", wantErr: `unknown column "phone"`},
		{name: "missing user", in: "userPrincipalName,mobile\nada@contoso.com,+1 2065550100\n,+1 2065550101\n", wantErr: "line 3"},
		{name: "bad policy", in: "userPrincipalName,smsSignInPolicy\nada@contoso.com,maybe\n", wantErr: "line 2"},
		{name: "bad autoRegister", in: "userPrincipalName,autoRegister\nada@contoso.com,sometimes\n", wantErr: "line 2"},
		{name: "bad defaultMethod", in: "userPrincipalName,defaultMethod\nada@contoso.com,fax\n", wantErr: "line 2"},
		{name: "bare quote", in: "userPrincipalName,mobile\nada\"@contoso.com,+1 2065550100\n", wantErr: "users file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadUsers(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ReadUsers: got %+v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadUsers: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadUsers: got %+v; want %+v", got, tt.want)
			}
		})
	}
}

// TestReadUsersSeedsServer feeds a users file into a server, the way
// `phonereg sim --users` does.
func TestReadUsersSeedsServer(t *testing.T) {
	in := "userPrincipalName,mobile,alternateMobile,smsSignInPolicy,autoRegister\n" +
		"ada@contoso.com,+1 2065550100,+1 2065550101,,\n" +
		"bob@contoso.com,+1 2065550102,,disallowed,\n" +
		"cy@contoso.com,+1 2065550103,,,false\n" +
		"dee@contoso.com,,,,\n"
	users, err := ReadUsers(strings.NewReader(in))
	if err != nil {
		t.Fatalf("ReadUsers: %v", err)
	}
	c := newSim(t, Options{Users: users})
	tests := []struct {
		user      string
		wantState string
		wantN     int
	}{
		{"ada@contoso.com", StateReady, 2},
		{"bob@contoso.com", StateNotAllowedByPolicy, 1},
		{"cy@contoso.com", StateNotEnabled, 1},
		{"dee@contoso.com", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			c := c.with(t)
			if n := len(c.list("v1.0", tt.user)); n != tt.wantN {
				t.Errorf("methods: got %d; want %d", n, tt.wantN)
			}
			if st := c.state("v1.0", tt.user); st != tt.wantState {
				t.Errorf("state: got %q; want %q", st, tt.wantState)
			}
		})
	}
	if _, err := NewServer(Options{Users: []User{{UserPrincipalName: "x@contoso.com", Phones: map[string]string{TypeMobile: "206 555 0100"}}}}); err == nil {
		t.Error("NewServer with a badly formatted seeded number: got nil error; want an error")
	}
	wantStatus(t, "unknown", c.call(http.MethodGet, phonesPath("v1.0", "zed@contoso.com"), nil), http.StatusNotFound)
}
