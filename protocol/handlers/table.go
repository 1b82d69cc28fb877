package handlers

// Table returns the served APIs in key order. To serve a new API add its
// file and one line here; ApiVersions advertises exactly these ranges.
func Table() []API {
	return []API{
		{Key: 18, Name: "ApiVersions", MinVersion: 0, MaxVersion: 4, Inline: true, Handle: handleApiVersions},
	}
}
