//! Assets: the bucket they are stored in, and which content each asset type takes.

use studiogate_platform::{Bucket, Links};

use crate::enums::KairoAssetType;
use crate::error::KairoError;

/// KAIRO's assets in the shared file store: `kairo-assets/<company>/<asset>`, read through
/// links signed for 5 minutes.
pub const ASSETS: Bucket = Bucket {
    name: "kairo-assets",
    max_bytes: 100 * 1024 * 1024,
    types: &[
        "model/gltf-binary",
        "application/json",
        "text/plain",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "video/mp4",
        "video/webm",
        "video/quicktime",
    ],
    links: Links::Signed { ttl_secs: 300 },
    route: "/kairo/assets",
};

/// The content types (as the store recognises them) an asset of `kind` may have: binary or
/// JSON glTF and OBJ (text) models, image textures, images, videos.
pub fn types_of(kind: KairoAssetType) -> &'static [&'static str] {
    match kind {
        KairoAssetType::Model => &["model/gltf-binary", "application/json", "text/plain"],
        KairoAssetType::Texture => &["image/png", "image/jpeg", "image/webp"],
        KairoAssetType::Image => &["image/png", "image/jpeg", "image/gif", "image/webp"],
        KairoAssetType::Video => &["video/mp4", "video/webm", "video/quicktime"],
    }
}

/// The recognised `mime` fits the asset type the client named.
pub fn fits(kind: KairoAssetType, mime: &str) -> Result<(), KairoError> {
    if types_of(kind).contains(&mime) {
        Ok(())
    } else {
        Err(KairoError::invalid(
            "file",
            "TYPE_MISMATCH",
            format!("A {} asset cannot be a {mime} file", kind.as_db()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_asset_type_takes_its_own_content() {
        assert!(fits(KairoAssetType::Image, "image/png").is_ok());
        assert!(fits(KairoAssetType::Video, "video/mp4").is_ok());
        assert!(fits(KairoAssetType::Model, "model/gltf-binary").is_ok());
        assert!(fits(KairoAssetType::Video, "image/png").is_err());
        assert!(fits(KairoAssetType::Texture, "text/plain").is_err());
        // Every type an asset may have is one the bucket takes.
        for kind in [
            KairoAssetType::Model,
            KairoAssetType::Texture,
            KairoAssetType::Image,
            KairoAssetType::Video,
        ] {
            assert!(types_of(kind).iter().all(|t| ASSETS.types.contains(t)));
        }
    }
}
