namespace Platform.ControlPlane.Cluster;

/// <summary>A registered worker as the registry last saw it.</summary>
public sealed record WorkerInfo(string Id, string AdvertiseUrl, int Capacity, int InFlight, int ModuleCount, DateTimeOffset RegisteredAt, DateTimeOffset LastHeartbeat);
