//! Staff opening a tipster's photo: only who may open the tip (R12), each opening audited
//! (P3), the photo as the tipster's phone sent it but re-encoded and without metadata.

use super::Triage;
use crate::domain::access::Action;
use crate::domain::audit::AuditAction;
use crate::service::error::ServiceError;
use crate::service::photos::unpad;
use crate::service::{audit_event, vault};

impl Triage<'_> {
    /// The JPEG of photo `photo_id` of tip `tip_id`, for a caller who may open the tip.
    pub async fn photo(
        &self,
        staff: &crate::domain::staff::Staff,
        tip_id: &str,
        photo_id: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        let row = self.load(staff, tip_id, Action::OpenTip).await?;
        let sealed = self
            .store
            .photo(tip_id, photo_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let event = audit_event(
            self.clock,
            &staff.username,
            AuditAction::PhotoOpened,
            Some(tip_id),
            Some(photo_id),
        );
        self.store.append_audit(&event).await?;
        let dek = self.vault.open_tip_key(tip_id, &row.wrapped_dek)?;
        let padded = vault::open_photo(&dek, tip_id, photo_id, &sealed)?;
        let jpeg = unpad(&padded).ok_or(ServiceError::NotFound)?;
        Ok(jpeg.to_vec())
    }
}
