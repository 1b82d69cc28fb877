package group

import "unicode/utf16"

// PartitionFor returns the __consumer_offsets partition of a group:
// Utils.abs(groupId.hashCode()) % numPartitions, where hashCode is Java's
// String.hashCode over UTF-16 code units and Utils.abs is x & 0x7fffffff.
func PartitionFor(groupID string, numPartitions int32) int32 {
	if numPartitions <= 0 {
		return 0
	}
	var h int32
	for _, r := range groupID {
		if r < 0x10000 {
			h = 31*h + int32(r)
			continue
		}
		r1, r2 := utf16.EncodeRune(r)
		h = 31*h + int32(r1)
		h = 31*h + int32(r2)
	}
	return (h & 0x7fffffff) % numPartitions
}
