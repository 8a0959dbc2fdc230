package api

// registerQualityReports registers the monthly quality reports.
func (s *Server) registerQualityReports() {}
