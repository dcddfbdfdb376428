//! Big-data comparison (大数据比对): department lists read through their column mappings,
//! kept as dated snapshots, linked to the registry's members by `fupin_core::linkage`.

pub mod generated;
pub mod lists;
pub mod quality;
pub mod run;
pub mod warnings;
