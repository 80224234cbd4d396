"""The embedded platform: registry, image tools, Helm and clusters that Shipyard starts itself."""
