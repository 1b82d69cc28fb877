package zkdata

// EncodeClusterID writes /cluster/id as Kafka does. Note that its version
// is a string.
func EncodeClusterID(id string) []byte {
	return encode(ordered([]string{"version", "id"}, map[string]value{"version": jstr("1"), "id": jstr(id)}))
}

// DecodeClusterID reads /cluster/id; "id" is required.
func DecodeClusterID(data []byte) (string, error) {
	o, err := parseObject(ClusterIDPath, data)
	if err != nil {
		return "", err
	}
	id, err := o.requireString("id")
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", o.fieldErr("id", "empty")
	}
	return id, nil
}
