module shipyard.local/pause

go 1.26
