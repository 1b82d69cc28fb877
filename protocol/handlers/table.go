package handlers

// Table returns the served APIs in key order. To serve a new API add its
// file and one line here; ApiVersions advertises exactly these ranges.
func Table() []API {
	return []API{
		{Key: 0, Name: "Produce", MinVersion: 3, MaxVersion: 11, Handle: handleProduce},
		{Key: 1, Name: "Fetch", MinVersion: 4, MaxVersion: 16, Handle: handleFetch},
		{Key: 2, Name: "ListOffsets", MinVersion: 1, MaxVersion: 8, Handle: handleListOffsets},
		{Key: 3, Name: "Metadata", MinVersion: 0, MaxVersion: 12, Handle: handleMetadata},
		{Key: 18, Name: "ApiVersions", MinVersion: 0, MaxVersion: 4, Inline: true, Handle: handleApiVersions},
		{Key: 22, Name: "InitProducerId", MinVersion: 0, MaxVersion: 4, Handle: handleInitProducerID},
		{Key: 23, Name: "OffsetForLeaderEpoch", MinVersion: 2, MaxVersion: 4, Handle: handleOffsetForLeaderEpoch},
	}
}
