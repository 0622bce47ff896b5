using Microsoft.AspNetCore.Routing;

namespace TransportGuard.Admin;

/// <summary>
/// The admin API's seam (docs/architecture.md, Seams): a feature that has operations for operators maps them under
/// /api, behind the admin token, without the admin folder knowing the feature.
/// </summary>
internal interface IAdminApi
{
    void Map(RouteGroupBuilder api);
}
