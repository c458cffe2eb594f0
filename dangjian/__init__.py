"""dangjian: a smart Party-building platform for emerging fields (新兴领域智慧党建平台)."""
