package cluster

// Die stops the heartbeat without removing the record, as a killed node would.
func (c *Cluster) Die() {
	c.stop()
	<-c.done
}
