package graphclient

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
)

// Cloud is a national cloud's Graph root and Entra authority host, which go
// together with the token scope.
type Cloud struct {
	Name          string
	GraphURL      string // service root without a version
	AuthorityHost string
	// CustomAuthority is set when the authority host was overridden: azidentity
	// must then skip instance discovery.
	CustomAuthority bool
}

// Configuration is the azcore cloud configuration for azidentity.
func (c Cloud) Configuration() cloud.Configuration {
	return cloud.Configuration{ActiveDirectoryAuthorityHost: c.AuthorityHost}
}

var clouds = map[string]Cloud{
	"global":   {Name: "global", GraphURL: "https://graph.microsoft.com", AuthorityHost: cloud.AzurePublic.ActiveDirectoryAuthorityHost},
	"usgov":    {Name: "usgov", GraphURL: "https://graph.microsoft.us", AuthorityHost: cloud.AzureGovernment.ActiveDirectoryAuthorityHost},
	"usgovdod": {Name: "usgovdod", GraphURL: "https://dod-graph.microsoft.us", AuthorityHost: cloud.AzureGovernment.ActiveDirectoryAuthorityHost},
	"china":    {Name: "china", GraphURL: "https://microsoftgraph.chinacloudapi.cn", AuthorityHost: cloud.AzureChina.ActiveDirectoryAuthorityHost},
}

// CloudNames are the names LookupCloud knows.
func CloudNames() []string {
	names := make([]string, 0, len(clouds))
	for n := range clouds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupCloud returns the named cloud: global, usgov, usgovdod or china.
func LookupCloud(name string) (Cloud, error) {
	c, ok := clouds[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return Cloud{}, fmt.Errorf("unknown cloud %q: want one of %s", name, strings.Join(CloudNames(), ", "))
	}
	return c, nil
}

// ResolveEndpoints returns the named cloud with the Graph root and authority
// host overridden where graphURL or authorityHost are set (the emulator uses
// these). A non-loopback Graph override must be https; the authority host must
// always be https, as azidentity requires. Neither may hold a user name or
// password.
func ResolveEndpoints(name, graphURL, authorityHost string) (Cloud, error) {
	c, err := LookupCloud(name)
	if err != nil {
		return Cloud{}, err
	}
	if graphURL != "" {
		u, err := parseRoot(graphURL)
		if err != nil {
			return Cloud{}, err
		}
		c.GraphURL = u.String()
	}
	if authorityHost != "" {
		u, err := url.Parse(strings.TrimRight(authorityHost, "/"))
		if err != nil || u.Host == "" || u.Scheme == "" {
			return Cloud{}, fmt.Errorf("authority host %q is not an absolute URL like https://login.microsoftonline.com", authorityHost)
		}
		if u.User != nil {
			return Cloud{}, fmt.Errorf("authority host %q must not hold a user name or password", u.Redacted())
		}
		if u.Scheme != "https" {
			return Cloud{}, fmt.Errorf("authority host %q must use https (azidentity refuses anything else)", authorityHost)
		}
		c.AuthorityHost = u.String() + "/"
		c.CustomAuthority = true
	}
	return c, nil
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
