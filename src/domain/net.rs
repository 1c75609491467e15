//! Address blocks: an IP address or CIDR block, as in the trusted proxy list.
//!
//! Owns parsing and matching of blocks, so that configuration can check the list when it loads
//! and the rate limiter can match peers against it with the same rules. It must not hold or log
//! any client's address: it only answers whether an address lies in a block.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IP address or CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpBlock {
    addr: IpAddr,
    prefix: u8,
}

impl IpBlock {
    /// `10.0.0.1`, `10.0.0.0/8`, `2001:db8::/32`; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(IpBlock { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses count as IPv4.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The part of an address that identifies one subscriber: IPv4 /32, IPv6 /64 (a phone on IPv6
/// gets a whole /64, so counting its single addresses would count nothing).
pub fn subscriber_prefix(ip: IpAddr) -> [u8; 16] {
    match canonical(ip) {
        IpAddr::V4(v4) => Ipv4Addr::to_ipv6_mapped(&v4).octets(),
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & (u128::MAX << 64);
            Ipv6Addr::from(bits).octets()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_blocks_match() {
        let block = IpBlock::parse("192.168.0.0/16").unwrap();
        assert!(block.contains("192.168.44.1".parse().unwrap()));
        assert!(!block.contains("192.169.0.1".parse().unwrap()));
        assert!(
            IpBlock::parse("::/0")
                .unwrap()
                .contains("2001:db8::1".parse().unwrap())
        );
        assert!(IpBlock::parse("1.2.3.4/33").is_none());
    }
}
